package steps

import (
	"context"
	"strings"
)

// linkedForScan is the identity a scan compares against: opts.Linked when
// given; otherwise the signed-in identity with its link (ResolveLinked),
// unless opts.LinkedObjectID names another object, which then stands in for
// it. palwiz cannot read another identity's Partner Admin Link, so that
// substitution comes with a note saying so.
func linkedForScan(ctx context.Context, env *Env, tenant string, opts ScanOptions) (LinkedIdentity, []string, error) {
	if opts.Linked != nil {
		return *opts.Linked, nil, nil
	}
	l, err := ResolveLinked(ctx, env, tenant)
	if err != nil {
		return l, nil, err
	}
	if opts.LinkedObjectID == "" || SameObject(opts.LinkedObjectID, l.ObjectID) {
		return l, nil, nil
	}
	other := LinkedIdentity{ObjectID: strings.ToLower(opts.LinkedObjectID), UPN: opts.LinkedUPN, TenantID: tenant}
	return other, []string{"Checking for object " + other.ObjectID + ": palwiz cannot read another identity's Partner Admin Link, so make sure that account is the linked one."}, nil
}

// ParseProducts reads product names as the commands accept them: each item
// may be a comma-separated list ("apps,flows"); empty items are skipped.
func ParseProducts(items []string) ([]Product, error) {
	var out []Product
	for _, item := range items {
		for _, x := range strings.Split(item, ",") {
			if strings.TrimSpace(x) == "" {
				continue
			}
			p, err := ParseProduct(x)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// ProductNames are the names ParseProduct takes, canonical ones first (for
// completion and help).
func ProductNames() []string {
	names := make([]string, len(Products))
	for i, p := range Products {
		names[i] = string(p)
	}
	return names
}
