"""The core: pure decisions over plain values, and the one poller loop around them."""
