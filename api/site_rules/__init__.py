"""The `site rules` resource: versions of a site's roster rules."""
