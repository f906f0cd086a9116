import factory
from allauth.account.models import EmailAddress

from apps.identity.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"resident{n}@example.jp")
    password = factory.PostGenerationMethodCall("set_password", "takamatsu-test-pass")

    @factory.post_generation
    def email_verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
            self.save()
