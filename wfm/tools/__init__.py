"""Tools around the product: the synthetic demo centre (`demo`) and the day player that plays a
simulated day through the API (`day_player`). They use the domain and the pure packages only."""
