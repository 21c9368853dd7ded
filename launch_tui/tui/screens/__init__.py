"""The app's screens: home, wizard, the seven stage screens, overlays and modals."""
