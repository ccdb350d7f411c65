"""The confirmation e-mail to the penvoerder after an application or a supplement is stored."""
