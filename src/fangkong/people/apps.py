from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "fangkong.people"
    label = "people"
    verbose_name = "People"

    def ready(self):
        from fangkong.areas.population import register
        from fangkong.people.population import PeoplePopulation

        register(PeoplePopulation())  # the tree's counts, the tallies and the chain's households (areas.population)
