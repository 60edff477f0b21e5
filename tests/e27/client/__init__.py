"""The E27 client against the emulated panel over loopback."""
