"""Writes of the risk watch (DESIGN §5.5), one module per sub-domain: `signals` (by hand),
`imports` (files and feeds), `raising` (signals → warnings), `followups` (what a new warning
sets off), `disposal` (steps and the moves they make, owners), `sweep` (escalation), `watchlist`,
`suitability`, `exports` (approved audit-log exports). One function per use case, atomic, audited.

Nothing is re-exported here: `compliance.tasks` imports the modules it runs, and `raising`
imports the tasks it enqueues, so a gathering import here would close that circle.
"""
