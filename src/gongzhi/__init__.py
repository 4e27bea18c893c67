"""共治 gongzhi — a grassroots governance platform."""

__version__ = "0.1.0"
