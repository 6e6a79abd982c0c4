"""AIGC Studio: create images and text with generative models on your own computer, offline."""

APP_NAME = "AIGC Studio"
APP_ID = "aigc-studio"
__version__ = "0.1.0"
