"""The start page: what the programmes cover against their targets, for everyone, signed in or not."""
