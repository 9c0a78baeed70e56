"""ピッキング (picking): the picker walks a pick list one way, scanning shelf, item and quantity."""
