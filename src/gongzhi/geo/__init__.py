"""Areas 区→街道→社区/村→网格, their polygons, point→grid lookup and coordinate systems."""

# Installs the flush hook that versions the area tree, whichever part of geo is imported first.
from gongzhi.geo import versioning as _versioning  # noqa: F401
