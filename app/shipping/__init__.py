"""出荷 (shipping): packed boxes handed to the carrier, the stock leaves for the customer."""
