"""The restaurant itself: its code, tax rate, currency and time zone."""
