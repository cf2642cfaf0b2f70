from django.apps import AppConfig


class ExampleDomainConfig(AppConfig):
    name = "tests.example_domain"
    label = "example_domain"
    verbose_name = "示例 Example"
