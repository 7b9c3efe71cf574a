"""What drf-spectacular cannot guess: the bearer scheme of our authentication class, the
filters of API classes that are not DRF generic list views, and the headers every service
sends alike (CONTRIBUTING.md, "The public API"), added by one postprocessing hook."""

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from timekeeper_service.conventions import BEARER_CHALLENGE_HEADER, RETRY_AFTER_HEADER


class IntrospectionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "hours_service.auth.IntrospectionAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the user service (`POST /api/users/v1/token`).",
        }


class AutoSchema(BaseAutoSchema):
    def get_filter_backends(self) -> list[Any]:
        # One API class per operation: a GET that declares filter backends filters, though its
        # answer is a page object, which drf-spectacular does not take for a list.
        return getattr(self.view, "filter_backends", []) if self.method == "GET" else []


class FilterSetParameters(DjangoFilterExtension):
    """drf-spectacular's django-filter support, for the FilterSet an API class names.

    The model is the FilterSet's (our API classes have no ``queryset``), and the bounds the
    filters check (``max_length``, ``min_value``, ``max_value``) are documented too.
    """

    priority = 1  # before drf-spectacular's own

    def get_schema_operation_parameters(
        self, auto_schema: AutoSchema, *args: Any, **kwargs: Any
    ) -> list[Any]:
        filterset_class = auto_schema.view.filterset_class
        model = filterset_class._meta.model
        return [
            parameter
            for name, filter_field in filterset_class.base_filters.items()
            for parameter in self.resolve_filter_field(
                auto_schema, model, filterset_class, name, filter_field
            )
        ]

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        bounds = {"max_length": "maxLength", "min_value": "minimum", "max_value": "maximum"}
        for parameter in parameters:
            for option, keyword in bounds.items():
                if option in filter_field.extra:
                    parameter["schema"][keyword] = filter_field.extra[option]
        return parameters


def standard_headers(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``: the challenge of every 401 and the
    ``Retry-After`` of every 503."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if "401" in responses:
                responses["401"].setdefault("headers", {})["WWW-Authenticate"] = dict(BEARER_CHALLENGE_HEADER)
            if "503" in responses:
                responses["503"].setdefault("headers", {})["Retry-After"] = dict(RETRY_AFTER_HEADER)
    return result
