import factory

from apps.catalogue.models import Category, LifeEvent, Procedure, Section


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"section-{n}")
    name = factory.Sequence(lambda n: f"テスト課{n}")
    name_en = factory.Sequence(lambda n: f"Test Division {n}")
    phone = "087-839-2011"


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"test-procedure-{n}")
    title = factory.Sequence(lambda n: f"テスト手続き{n}")
    title_en = factory.Sequence(lambda n: f"Test procedure {n}")
    reading = "てすとてつづき"
    summary = "テスト用の手続きです。"
    summary_en = "A procedure for tests."
    section = factory.SubFactory(SectionFactory)
    channel_counter = True
    published = True

    class Params:
        online = factory.Trait(channel_online=True, online_url="https://www.city.takamatsu.kagawa.jp/")
        draft = factory.Trait(published=False)

    @factory.post_generation
    def life_events(self, create, slugs, **kwargs):
        if create and slugs:
            self.life_events.set(LifeEvent.objects.filter(slug__in=slugs))

    @factory.post_generation
    def categories(self, create, slugs, **kwargs):
        if create and slugs:
            self.categories.set(Category.objects.filter(slug__in=slugs))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            # What the admin and importer do: the public pages and the index see the change.
            from apps.catalogue.services import catalogue_changed

            catalogue_changed()
