"""Integrations with other libraries' extension points (pydantic-settings)."""
