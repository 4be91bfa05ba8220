from django.db import migrations


def load(apps, schema_editor):
    # Official State Council schedules, from the chinese-calendar package.
    import chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    names = {
        "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
        "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    }
    for year in (2024, 2025, 2026):
        for day, name in chinese_calendar.holidays.items():
            if day.year == year:
                CalendarDay.objects.update_or_create(
                    date=day, defaults={"kind": "holiday", "name": names.get(name, name)}
                )
        for day, name in chinese_calendar.workdays.items():
            if day.year == year and day.weekday() >= 5:
                CalendarDay.objects.update_or_create(
                    date=day, defaults={"kind": "workday", "name": names.get(name, name)}
                )
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": "chinese-calendar (State Council notice)"}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
