"""Web routes of the risk domain (a thin router over the services)."""

from fastapi import APIRouter

router = APIRouter()
