"""Nightly feeds from core banking and the transfer agent (issue 16 item 1, docs/feeds.md).

A feed is one CSV file per kind and business date. `services.feed_receive` stores it in the
inbox storage and records a `FeedRun`; `services.feed_load` streams it into a staging table,
validates it set-based and merges it into the records tables in one transaction.
"""
