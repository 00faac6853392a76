"""What plays now and next, and why: pure scheduling over a manifest and a wall clock."""
