"""The screens: server-rendered pages and the plain JavaScript that keeps them live."""
