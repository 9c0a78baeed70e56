"""Outbound orders (受注): the document the channels send and the floor picks, packs and ships."""
