"""検品・梱包 (packing): every unit of a picked order scanned into the box, then the carrier's slip."""
