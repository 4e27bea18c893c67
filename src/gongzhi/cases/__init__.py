"""The spine: every problem that needs a person is a case (工单)."""
