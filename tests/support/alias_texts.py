"""Real-shaped YAML with anchors, aliases and merge keys, shared by the tests of several layers."""

RAILS = """\
# config/database.yml
default: &default
  adapter: postgresql
  encoding: unicode
  pool: 5
  username: app
  password: rails-default-secret

development:
  <<: *default
  database: app_dev

production:
  <<: *default
  database: app_prod
  password: rails-prod-secret
"""
"""A Rails ``database.yml``: every environment merges ``*default`` and production overrides its password."""
