"""What drf-spectacular cannot guess: the bearer scheme of our authentication class."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class IntrospectionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hours_service.auth.IntrospectionAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the user service (`POST /api/users/v1/token`).",
        }
