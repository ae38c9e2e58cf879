package records

// SetAfterPublish makes p call fn after publishing a record and before
// remembering its version.
func SetAfterPublish(p *Publisher, fn func()) { p.afterPublish = fn }
