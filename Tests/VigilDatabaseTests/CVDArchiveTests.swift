import Testing
import VigilDatabase
