"""Knowledge reads, one module per area."""
