package sim

// PowerPlatform is the scenario data behind the Power Platform, Dataverse,
// Power BI and Customer Insights hosts. It is filled in by the attribution work.
type PowerPlatform struct{}

func (p *PowerPlatform) validate(tenants map[string]bool) error { return nil }

func (s *Server) registerPowerPlatform() {}
