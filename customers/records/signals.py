from django.dispatch import Signal

# Sent inside the reassignment transaction: customer, old_owner_id, new_owner, acting_user.
# Follow-ups move open tasks; upper apps may move their own assignments.
customer_reassigned = Signal()

# Sent inside a handover transaction, once per departing user: departing_user, successor_for
# (dict customer_id -> new owning User), acting_user. Upper apps move their own open assignments
# (complaint handlers, warning owners) from the departing user to the customer's successor.
staff_handover = Signal()

# Sent inside the transaction that loaded a feed run: run (a FeedRun, state "loaded"). Tiering
# starts the month's tier run after aggregates or a holdings snapshot when the setting says so.
feed_loaded = Signal()
