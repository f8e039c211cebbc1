"""Questions to BDT: a helpdesk in chat (issue 15)."""
