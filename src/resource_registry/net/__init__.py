"""The only way to the network: public addresses only, each hop checked and pinned."""
