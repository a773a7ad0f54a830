"""A deleted library item takes its files with it, once the deletion is committed."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import processing
from .models import MediaItem


@receiver(post_delete, sender=MediaItem)
def delete_files(sender, instance, **kwargs):
    transaction.on_commit(partial(processing.delete_files, instance.file_names()))
