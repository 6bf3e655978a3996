"""Knowledge writes, one module per area."""
