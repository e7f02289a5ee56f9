"""Attachments on work items, stored through the files port (bucket ``attachments``).

* At most 20 MB per file (the bucket's limit; the port refuses larger files while
  streaming, so nothing of an oversize upload is kept). Empty files are refused.
* Content types are checked against the reference's allow-list (images, PDF, Office
  documents, text, CSV, HTML, CSS, JavaScript, JSON, XML and archives); a type outside
  it gets a message listing what is accepted. The type is decided from the file name's
  extension when the browser sent none or a generic one.
* Downloads go through Keel with the project permission check. Only raster images are
  served inline (the preview); everything else, SVG and HTML included, is sent as an
  attachment so no uploaded document runs in Keel's origin.
* The uploader, or a holder of ``project.tasks.delete``, deletes an attachment.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import BinaryIO

from webapp.audit import Acting, record
from webapp.features.items.service import scope
from webapp.features.workspaces.errors import FieldErrors, Refused
from webapp.storage.base import Document, DocumentStore, new_id
from webapp.storage.errors import FileTooLarge
from webapp.storage.files import MB, FileStore, clean_filename
from webapp.storage.query import Query

BUCKET = "attachments"
MAX_SIZE = 20 * MB
TOO_LARGE = "This file is larger than 20 MB; attach a smaller file or a link to it."
ALLOWED = frozenset({
    "image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp", "image/svg+xml",
    "application/pdf", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain", "text/csv", "text/html", "text/css", "text/javascript",
    "application/javascript", "application/json", "application/xml", "text/xml",
    "application/zip", "application/x-zip-compressed", "application/vnd.rar",
    "application/x-rar-compressed", "application/x-7z-compressed", "application/x-tar",
    "application/gzip", "application/x-gzip", "application/octet-stream",
})
ALLOWED_TEXT = ("images (JPEG, PNG, GIF, WebP, SVG), PDF, Word, Excel, PowerPoint, text, CSV, "
                "HTML, CSS, JavaScript, JSON, XML and archives (ZIP, RAR, 7z, tar, gzip)")
PREVIEW = frozenset({"image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp"})
GENERIC = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class Download:
    stream: BinaryIO
    name: str
    mime_type: str
    size: int
    inline: bool


def content_type(name: str, sent: str | None) -> str:
    sent = (sent or "").split(";", 1)[0].strip().lower()
    if sent in GENERIC:
        guessed, _ = mimetypes.guess_type(name)
        return (guessed or "application/octet-stream").lower()
    return sent


def list_for(store: DocumentStore, item_id: str) -> list[Document]:
    return list(store.list("attachments", [Query.equal("item_id", item_id),
                                           Query.order_asc("$createdAt"), Query.limit(500)]))


def get_attachment(store: DocumentStore, item: Document, attachment_id: str) -> Document:
    found = store.find("attachments", attachment_id)
    if found is None or found["item_id"] != item["$id"]:
        raise Refused("ATTACHMENT_NOT_FOUND", "This attachment does not exist.", status=404)
    return found


def _emit(store: DocumentStore, acting: Acting, project: Document, item: Document,
          kind: str, attachment: Document) -> None:
    try:
        from webapp.features.notifications import events
    except ImportError:
        return
    events.emit(store, getattr(events, kind), actor_id=acting.user_id,
                actor_name=acting.name, item=item, project=project,
                extra={"attachment_id": attachment["$id"],
                       "file_name": attachment["file_name"]})


def upload(store: DocumentStore, files: FileStore, acting: Acting, project: Document,
           item: Document, stream: BinaryIO, filename: str, mime: str | None,
           declared_size: int | None = None) -> Document:
    """Store the file, then its document; raises FieldErrors (size, type, name)."""
    name = clean_filename(filename or "")[:255]
    if not name:
        raise FieldErrors({"file": "Choose a file to attach."})
    if declared_size is not None and declared_size > MAX_SIZE:
        raise FieldErrors({"file": TOO_LARGE})
    kind = content_type(name, mime)
    if kind not in ALLOWED:
        raise FieldErrors({"file": f"Files of type {kind} cannot be attached. Accepted: "
                                   f"{ALLOWED_TEXT}."})
    file_id = new_id()
    try:
        info = files.put(BUCKET, file_id, stream, content_type=kind, filename=name)
    except FileTooLarge as exc:
        raise FieldErrors({"file": TOO_LARGE}) from exc
    if info.size == 0:
        files.delete(BUCKET, file_id)
        raise FieldErrors({"file": "This file is empty."})
    try:
        with store.transaction():
            doc = store.create("attachments", {
                "item_id": item["$id"], "project_id": project["$id"],
                "workspace_id": project["workspace_id"], "file_id": file_id,
                "bucket": BUCKET, "file_name": name, "file_size": info.size,
                "mime_type": kind, "uploaded_by": acting.user_id})
            record(store, acting, "attachment_added", "attachment", doc["$id"],
                   resource_name=name, metadata={"item_id": item["$id"], "size": info.size,
                                                 "mime_type": kind},
                   **scope(store, project))
            _emit(store, acting, project, item, "ATTACHMENT_ADDED", doc)
    except Exception:
        files.delete(BUCKET, file_id)  # no file without its document
        raise
    return doc


def open_download(files: FileStore, attachment: Document) -> Download:
    mime = str(attachment.get("mime_type") or "application/octet-stream")
    stream = files.open(str(attachment.get("bucket") or BUCKET), attachment["file_id"])
    return Download(stream, attachment["file_name"], mime, int(attachment.get("file_size")
                                                               or 0), mime in PREVIEW)


def delete(store: DocumentStore, files: FileStore, acting: Acting, project: Document,
           item: Document, attachment_id: str, *, may_delete_any: bool) -> None:
    found = get_attachment(store, item, attachment_id)
    if found.get("uploaded_by") != acting.user_id and not may_delete_any:
        raise Refused("NOT_UPLOADER", "Only the person who attached this file or a project "
                      "admin can delete it.", status=403)
    with store.transaction():
        store.delete("attachments", attachment_id)
        record(store, acting, "attachment_deleted", "attachment", attachment_id,
               resource_name=found["file_name"], metadata={"item_id": item["$id"],
                                                           "size": found.get("file_size")},
               **scope(store, project))
        _emit(store, acting, project, item, "ATTACHMENT_DELETED", found)
        store.after_commit(lambda: files.delete(str(found.get("bucket") or BUCKET),
                                                found["file_id"]))


def total_size(rows: list[Document]) -> int:
    return sum(int(r.get("file_size") or 0) for r in rows)
