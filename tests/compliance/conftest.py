import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def csv_upload():
    def _make(lines, name="signals.csv"):
        text = "\n".join(lines) + "\n"
        return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")

    return _make
