"""The HTTP service (W3C VC API) behind ``bpvc serve``; needs the ``server`` extra."""
