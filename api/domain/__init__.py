"""Pure rules of Kept: no I/O, no clock, standard library only."""
