namespace Ssd.Model;
