"""The user service: profiles and the follow graph."""
