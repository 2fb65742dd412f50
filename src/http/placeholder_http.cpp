// placeholder until the http layer lands
namespace leadgate {}
