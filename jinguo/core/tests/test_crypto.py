"""Encrypted columns, blind indexes and masks."""

from __future__ import annotations

import base64
import struct
import time

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import connection
from django.test import override_settings

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


# --- encrypt_many: Fernet tokens made in a batch -------------------------------------------------

# lengths in bytes around the AES block edges (0..40), then multi-byte text, all in one batch
BATCH_VALUES = [
    "",
    "a",
    "x" * 15,
    "y" * 16,
    "z" * 17,
    "0" * 31,
    "1" * 32,
    "2" * 33,
    "3" * 40,
    "王",
    "东湖路一号",
    "东湖路一号1",
    "1东湖路一号1",  # each character 3 bytes: these lie across the first block's edge
    "城东街道东湖路1号3幢12",
    "城东街道东湖路1号3幢123",
    "李梅\t13812345678\n",
]
MULTI_BYTE_LENGTHS = [3, 15, 16, 17, 31, 32, 19]


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token)


def test_encrypt_many_tokens_decrypt_to_each_value_with_crypto_and_with_plain_fernet(settings):
    assert [len(v.encode()) for v in BATCH_VALUES] == [0, 1, 15, 16, 17, 31, 32, 33, 40, *MULTI_BYTE_LENGTHS]
    tokens = crypto.encrypt_many(BATCH_VALUES)
    assert len(tokens) == len(BATCH_VALUES)
    plain = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    assert [crypto.decrypt(t) for t in tokens] == BATCH_VALUES
    assert [plain.decrypt(t.encode()).decode() for t in tokens] == BATCH_VALUES
    # Fernet's layout: version, timestamp, IV, the PKCS7-padded ciphertext, the HMAC
    assert [len(_raw(t)) for t in tokens] == [1 + 8 + 16 + (len(v.encode()) // 16 + 1) * 16 + 32 for v in BATCH_VALUES]


def test_encrypt_many_of_one_value_gives_tokens_with_different_ivs():
    tokens = crypto.encrypt_many(["110105194912310021"] * 5 + ["王芳"] * 3)
    assert len(set(tokens)) == 8
    assert len({_raw(t)[9:25] for t in tokens}) == 8
    assert len({_raw(t)[25:-32] for t in tokens}) == 8  # so the ciphertexts differ too
    assert [crypto.decrypt(t) for t in tokens] == ["110105194912310021"] * 5 + ["王芳"] * 3
    # and a second batch repeats none of them
    again = crypto.encrypt_many(["110105194912310021"] * 5)
    assert {_raw(t)[9:25] for t in again}.isdisjoint({_raw(t)[9:25] for t in tokens})


def test_encrypt_many_tokens_carry_version_0x80_and_the_time_of_writing(settings):
    before = int(time.time())
    tokens = crypto.encrypt_many(["a", "东湖路1号", ""])
    after = int(time.time())
    plain = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    for token in tokens:
        raw = _raw(token)
        assert raw[0] == 0x80
        (stamp,) = struct.unpack(">Q", raw[1:9])
        assert before <= stamp <= after
        assert plain.extract_timestamp(token.encode()) == stamp
    # a token with a lifetime is still fresh
    assert plain.decrypt(tokens[1].encode(), ttl=60).decode() == "东湖路1号"


def test_encrypt_many_of_nothing_is_nothing():
    assert crypto.encrypt_many([]) == []


def test_an_encrypt_many_token_with_one_character_changed_is_rejected(settings):
    (token,) = crypto.encrypt_many(["13812345678"])
    plain = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    # characters 40..60 of the base64 text are bytes 30..45: the ciphertext, not the IV or the HMAC
    for at in (40, 50, 60):
        changed = token[:at] + ("B" if token[at] != "B" else "C") + token[at + 1 :]
        assert _raw(changed) != _raw(token)
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt(changed)
        with pytest.raises(InvalidToken):
            plain.decrypt(changed.encode())
    # and a changed HMAC byte likewise
    raw = bytearray(_raw(token))
    raw[-1] ^= 1
    with pytest.raises(InvalidToken):
        plain.decrypt(base64.urlsafe_b64encode(bytes(raw)))
    assert crypto.decrypt(token) == "13812345678"


def test_encrypt_many_uses_the_newest_key_after_rotation(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    crypto._fernet.cache_clear()
    crypto._batch.cache_clear()
    try:
        with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
            tokens = crypto.encrypt_many(["13812345678", "东湖路1号"])
            assert [Fernet(new.encode()).decrypt(t.encode()).decode() for t in tokens] == ["13812345678", "东湖路1号"]
            for token in tokens:
                with pytest.raises(InvalidToken):
                    Fernet(old.encode()).decrypt(token.encode())
            assert [crypto.decrypt(t) for t in tokens] == ["13812345678", "东湖路1号"]
        # with the new key gone they cannot be read: they were not made under the old one
        with pytest.raises(ValueError, match="cannot be decrypted"):
            crypto.decrypt(tokens[0])
    finally:
        crypto._fernet.cache_clear()
        crypto._batch.cache_clear()
    (back,) = crypto.encrypt_many(["13812345678"])
    assert Fernet(old.encode()).decrypt(back.encode()).decode() == "13812345678"
