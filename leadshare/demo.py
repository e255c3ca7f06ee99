"""Placeholder, replaced below."""
def load_demo():
    return False
