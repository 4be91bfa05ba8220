from django.dispatch import Signal

# Sent inside the reassignment transaction: customer, old_owner_id, new_owner, acting_user.
# Follow-ups move open tasks; upper apps may move their own assignments.
customer_reassigned = Signal()
