import factory
from django.contrib.auth.models import Group

from intake.services import Complaint, complaint_register
from tickets.models import Customer, Product, ProductCategory, Store, Tag, Team, Ticket, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"团队{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"门店{n}")
    city = "上海"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("model_code",)

    model_code = factory.Sequence(lambda n: f"KFR-{n:03d}GW")
    name = "挂壁式空调"
    category = ProductCategory.AIR_CONDITIONER
    warranty_months = 36


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"标签{n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = "张三"
    phone = factory.Sequence(lambda n: f"+86138{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-Secret-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if extracted:
            self.teams.set(extracted)


_phones = iter(range(10**7, 10**8))


class TicketFactory(factory.Factory):
    """Tickets are born through the intake service, as in production."""

    class Meta:
        model = Complaint

    channel = Ticket.Channel.PHONE
    customer_name = "李四"
    phone = factory.LazyFunction(lambda: f"139{next(_phones)}")
    description = "空调制冷模式运行15分钟后出风口有异响"
    description_confirmed = True
    confirmed_via = Ticket.ConfirmedVia.READ_BACK

    @classmethod
    def _create(cls, model_class, *args, team=None, now=None, **kwargs):
        complaint = model_class(*args, **kwargs)
        ticket = complaint_register(complaint=complaint, actor=None, now=now).ticket
        if team is not None:
            Ticket.objects.filter(pk=ticket.pk).update(team=team)
            ticket.refresh_from_db()
        return ticket
