"""The `dailypapers` command: a thin layer over the library functions."""
