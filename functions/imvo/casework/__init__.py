"""The agency's side of an application (I.2: RVO decides for the Minister): supplement requests, the
completeness check and decisions, each recorded once; and when the herstel route is open."""
