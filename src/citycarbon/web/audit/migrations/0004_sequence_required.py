from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_existing_events")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(
                editable=False, unique=True, verbose_name="sequence"
            ),
        ),
    ]
