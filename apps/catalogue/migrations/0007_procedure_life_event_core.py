"""The procedure/life-event link becomes a model of its own with a `core` flag (issue 16).

The table Django made for the plain many-to-many field is kept as it is, rows and unique index included:
the model takes it over in the migration state only, then the one new column is added.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_people_chosen_ids_refuse_individual_numbers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProcedureLifeEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "life_event",
                            models.ForeignKey(
                                db_column="lifeevent_id",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="procedure_links",
                                to="catalogue.lifeevent",
                                verbose_name="ライフイベント",
                            ),
                        ),
                        (
                            "procedure",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="life_event_links",
                                to="catalogue.procedure",
                                verbose_name="手続き",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "手続きのライフイベント",
                        "verbose_name_plural": "手続きのライフイベント",
                        "db_table": "catalogue_procedure_life_events",
                        "unique_together": {("procedure", "life_event")},
                    },
                ),
                migrations.AlterField(
                    model_name="procedure",
                    name="life_events",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="procedures",
                        through="catalogue.ProcedureLifeEvent",
                        to="catalogue.lifeevent",
                        verbose_name="ライフイベント",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="procedurelifeevent",
            name="core",
            field=models.BooleanField(
                default=False,
                help_text="このライフイベントでほとんどの人が必要とする手続き（一覧と検索結果で先に表示）",
                verbose_name="主な手続き",
            ),
        ),
    ]
