"""Encrypted columns, blind indexes and masks."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from jinguo.core import crypto


def test_encryption_round_trips_and_ciphertext_differs_each_time():
    a, b = crypto.encrypt("110105194912310021"), crypto.encrypt("110105194912310021")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "110105194912310021"


def test_an_old_key_still_decrypts_after_rotation_and_rotate_moves_to_the_new_key(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    token = crypto.encrypt("13812345678")
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "13812345678"
    rotated = crypto.rotate(token)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "13812345678"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_blind_index_is_keyed_per_purpose_and_ignores_case_width_and_spaces(settings):
    one = crypto.blind_index("11010519491231002x", purpose="person.id_number")
    assert one == crypto.blind_index("１１０１０５１９４９１２３１００２Ｘ ", purpose="person.id_number")
    assert one != crypto.blind_index("11010519491231002X", purpose="person.phone")
    settings.BLIND_INDEX_KEY = "another key"
    assert one != crypto.blind_index("11010519491231002X", purpose="person.id_number")
    assert crypto.blind_index("", purpose="x") is None


@pytest.mark.django_db
def test_encrypted_column_holds_no_clear_text_in_the_database(tree):
    from jinguo.people.models import Person

    person = Person.objects.create(unit=tree.east1, name="王芳", gender="F", phone="13812345678", address="东湖路1号")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address FROM people_person WHERE id = %s", [person.pk])
        phone, address = cursor.fetchone()
    assert "13812345678" not in phone and "东湖路" not in address
    again = Person.objects.get(pk=person.pk)
    assert (again.phone, again.address) == ("13812345678", "东湖路1号")


@pytest.mark.parametrize(
    ("mask", "value", "shown"),
    [
        (crypto.mask_id_number, "110105194912310021", "110105********0021"),
        (crypto.mask_id_number, "", ""),
        (crypto.mask_phone, "13812345678", "138****5678"),
        (crypto.mask_phone, "057188886666", "057*****6666"),
        (crypto.mask_address, "城东街道东湖路1号3幢", "城东街道东湖****"),
        (crypto.mask_text, "家暴史", "******"),
    ],
)
def test_masks(mask, value, shown):
    assert mask(value) == shown
