"""Areas 区→街道→社区/村→网格, their polygons, point→grid lookup and coordinate systems."""
